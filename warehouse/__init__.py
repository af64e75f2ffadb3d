"""Storage and its lifecycle: raw store, write-back events, marts builds, the live pointer."""
