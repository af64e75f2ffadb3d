"""The ``iroqa`` command line: a thin layer that parses arguments and calls the packages below it
(demo, ingest, warehouse, accounts, reports, notify). ``cli.main:main`` is the console script;
``python -m cli`` runs it too. One module per command group (``*_cmds.py``); ``common`` holds what
they share."""
