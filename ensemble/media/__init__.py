"""The media module: every PyAV and FFmpeg call in Ensemble goes through this package."""
