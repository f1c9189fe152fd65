"""The transfer engine: streaming, resumable, bounded-memory copies into the archive.

`plan` is pure (part sizes and ranges); `sources` read byte ranges from S3, HTTP
or a file; `engine` moves parts with N workers, checkpoints after each part,
honours a deadline, and completes or aborts, never leaving a half object visible.
"""
