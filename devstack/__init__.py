"""The local stack behind `make run`: two moto servers, the service, a worker.

Not part of the deployment package; it drives the same handlers the Lambdas run.
"""
