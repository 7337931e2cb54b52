"""The tool's version, in a module of its own: whatever needs it (the JSON's tool_version) imports this,
not the package's __init__, which would pull in the notebook."""

__version__ = "0.1.0"
