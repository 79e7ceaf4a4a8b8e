"""The media module: every PyAV and FFmpeg call in Ensemble goes through this package.

Engine entry points (pure: local paths in, files in a private working folder out; no models):

- `ingest.ingest(source, workdir, *, kind=None, progress=None, rungs=None, facts=None)
  -> IngestResult`: everything served for one original (video ladder + previews, audio
  rendition + waveform, or image sizes). `IngestResult.files` maps final file names to paths in
  `workdir`; `.manifest()` is JSON for the version; `.facts` is the probe.
- `probe.probe(path) -> dict` / `probe.probe_stored(storage, name) -> dict`: technical facts.
- `ladder.build_ladder(...)`, `previews.make_previews(...)`, `audio.build_audio(...)`,
  `images.build_image_sizes(...)`: the steps `ingest` runs, usable one by one.
- `ffmpeg.ffmpeg_run(...)`, `ffmpeg.media_input(...)`, `ffmpeg.lavfi_input(...)`,
  `ffmpeg.job_folder()`: the only way to run FFmpeg.
- `errors.is_transient(exc)`, `errors.failure_message(exc)`: retry or fail, and in which words.
- `sniff.sniff(...)`: the upload check (what the file really is).

Settings (read at call time): ENSEMBLE_FFMPEG_BINARY, ENSEMBLE_LADDER_2160 (False),
ENSEMBLE_LADDER_RUNGS (None: the default rungs), ENSEMBLE_MEDIA_WORK_DIR ("": the system's
temporary folder), ENSEMBLE_FFMPEG_TIMEOUT (600 s, plus ENSEMBLE_FFMPEG_TIMEOUT_PER_SECOND = 30
per second of media), ENSEMBLE_FFMPEG_NICENESS (10), ENSEMBLE_MAX_IMAGE_PIXELS.
"""
