"""The demo newsroom that `make run` loads: a fictional city's news and an editor.

Its sections, entities, stories and threads are data, in the TOML files of
`data/`; `content` reads them and `loader` writes them to the database.
"""
