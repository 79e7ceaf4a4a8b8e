"""`python -m bench` (`make bench`): every benchmark, one after the other."""

from bench import lineage, render
from bench.media_ladder import main

if __name__ == "__main__":
    media = main()
    lineages = lineage.main([])
    raise SystemExit(render.main([]) or lineages or media)
