# Convenience targets; scripts/ holds the real commands.
.PHONY: test soak bench serve

test:
	scripts/test

# The long crash loop and other slow tests (CI runs their short versions).
soak:
	scripts/setup && .venv/bin/python -m pytest -m slow -v

bench:
	scripts/setup
	.venv/bin/python bench/bench_clean.py
	.venv/bin/python bench/bench_metadata.py
	.venv/bin/python -m pip install --quiet -e ".[bench]"
	.venv/bin/python bench/bench_index.py
	.venv/bin/python bench/bench_ingest.py
	.venv/bin/python bench/bench_extract.py
	.venv/bin/python bench/bench_relevance.py
	.venv/bin/python bench/bench_health.py
	.venv/bin/python bench/bench_service.py
	.venv/bin/python bench/bench_export.py

serve:
	scripts/serve
