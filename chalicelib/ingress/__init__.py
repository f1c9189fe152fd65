"""Ingress: verify, archive raw, normalize, deduplicate, record, enqueue, answer."""
