"""The graph core: model, Cypher, stores. The only package that talks to a database."""
