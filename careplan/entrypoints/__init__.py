"""The entry points: the ``careplan`` command, the scheduler process, ``careplan db setup``, and the one
composition root (``bootstrap``) that builds everything of a process. Nothing inside imports from here.
"""
