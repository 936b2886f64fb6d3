"""Entry point for gunicorn (`gunicorn wsgi:app`) and the Flask CLI (`flask --app wsgi`)."""

import gc

from centre import create_app

app = create_app()
# What start-up loaded (modules, translations, the ORM's mappings) lives as long as the
# process: kept out of the collector's sight, a full collection walks only what requests
# leave behind. Without it, one page in five of the bed board paid ~90 ms for a full
# collection of the start-up heap (bench/README.md, "Housing").
gc.collect()
gc.freeze()
