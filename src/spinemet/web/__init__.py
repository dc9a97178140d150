"""spinemet.web: the registry as a web application (FastAPI, server-rendered pages, a JSON API).

Routes are thin: the rules are ``spinemet.scores``, ``spinemet.pathway``, ``spinemet.cohort`` validation and
the registry services (``registry.records``, ``registry.accounts``); every access rule is in
``spinemet.web.access``. See ``docs/web.md``.
"""
