"""Productions: the finished work of a collaboration, its cuts, their renders and credits.

- `models.py`: Production, Cut (an OpenTimelineIO document), CutItem (what a cut uses, derived
  from the document on every save), Render (a job row), Extra.
- `timeline.py`: the cut's document — build, read, turn into a `render.RenderSpec`, export to
  OTIO / FCP 7 XML / CMX 3600 EDL and import back.
- `credits.py`: the credits of a cut, computed in one place, through the lineage.
- `services.py`: every write (cuts by hand and from rules); `jobs.py`: the render job.
- `render.py`: the render engine (pure code, no models).

See docs/productions.md and docs/rendering.md.
"""
