"""The ``iroqa`` command line: a thin layer that parses arguments and calls the packages below it
(demo, warehouse, accounts). ``cli.main:main`` is the console script; ``python -m cli`` runs it too."""
