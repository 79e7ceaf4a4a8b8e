"""`python -m bench` (`make bench`): every benchmark, one after the other."""

from bench.media_ladder import main

if __name__ == "__main__":
    raise SystemExit(main())
