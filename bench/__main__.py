"""`python -m bench` (`make bench`): every benchmark, one after the other."""

from bench import lineage
from bench.media_ladder import main

if __name__ == "__main__":
    media = main()
    raise SystemExit(lineage.main([]) or media)
