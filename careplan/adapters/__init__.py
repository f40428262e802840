"""The adapters: the store as the library's extension points take it, and the tables and channels beside it.

They sit beside the application (layer 1), which builds them: the orjson transcoder and transcodings,
the mapper that seals rows at their place, the one module with SQL on the library's tables
(``event_tables``), careplan's own tables (sessions, sign-ins, keys), settings read from the
environment, logging and metrics, and the message channels (SMTP, HTTP SMS).
"""
