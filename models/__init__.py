"""Pydantic models: the cycle file, reference data, workflow and activity inputs."""
