"""pytest plugin for running moto's own test suites in server mode against sekisho: the suites' clients
sign with the root key of moto's account (123456789012) instead of moto's fake credentials."""

import os


def pytest_configure(config):
    from moto.core.config import default_user_config

    default_user_config.setdefault("core", {})["mock_credentials"] = False
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "123456789012")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
