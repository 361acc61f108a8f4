"""The one place that creates Powertools' logger, tracer and metrics.

Service name, log level and namespace come from ``POWERTOOLS_*`` variables set in the template.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
