"""OpenAPI: the document (``utils``) and the interactive docs pages (``docs``)."""
