"""Storage and its lifecycle: settings and paths, storage primitives (the lock, atomic and private
writes), the raw store and loading it (raw.py, loader.py), write-back events, the pseudonym key,
marts builds, the live pointer and the rebuilder. May import ingest's pure parts; never accounts,
the dashboard or the command line."""
