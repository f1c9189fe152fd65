"""Work behind the jobs queue: the SQS worker and the jobs it runs."""
