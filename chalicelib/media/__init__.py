"""Media: find FFmpeg, build its commands (pure), run them (one runner), probe."""
