# The two commands of the README. Each does its own set-up (deploy/setup.sh, idempotent).
.PHONY: run test bench

# Set up, create/migrate the embedded database (SQLite under ./var), then serve Coffre.
run:
	deploy/setup.sh run
	.venv/bin/coffre init
	.venv/bin/coffre run

# Set up (incl. PostgreSQL, Redis, Ceph RGW, Chromium), then run every test against real services.
# pytest's exit code 5 ("no tests collected") is reported, not treated as a crash.
test:
	deploy/setup.sh test
	@.venv/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc

bench:
	deploy/setup.sh test
	.venv/bin/python -m bench $(BENCH_ARGS)
