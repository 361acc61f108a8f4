"""The local runtime: an embedded AWS emulation (moto) provisioned from template.yaml.

Never deployed and never imported by production code.
"""
