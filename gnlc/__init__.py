"""GNLC partnership graph: cities, organisations and peer-learning links of the
UNESCO Global Network of Learning Cities, on an embedded FalkorDB or on Neo4j 5.

The importable packages all live under this namespace: ``gnlc.graph`` (the only
code that talks to a database), ``gnlc.loaders``, ``gnlc.api`` and ``gnlc.cli``.
"""

__version__ = "0.1.0"
