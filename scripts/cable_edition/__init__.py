"""cable-edition: a TEI edition of UN code cables and the toolchain that validates and
publishes it.

The library API (what the CLI calls):

- :func:`cable_edition.load.load` parses one file safely;
- :func:`cable_edition.build.build` validates and publishes a collection;
- :func:`cable_edition.validate.validate` checks a collection and returns diagnostics.
"""

__version__ = "0.1.0"
