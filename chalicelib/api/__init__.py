"""The HTTP edge: JSON answers and the error contract."""
