# Shortcuts for developers who have make; the README's commands are deploy/run.sh and deploy/test.sh
# (a fresh Debian has no make before set-up).
.PHONY: run test bench

run:
	deploy/run.sh

test:
	deploy/test.sh $(PYTEST_ARGS)

bench:
	deploy/setup.sh test
	.venv/bin/python -m bench $(BENCH_ARGS)
