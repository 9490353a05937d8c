"""The HTTP service: runs for many users, approved before they execute, watched live."""

from meta_agent.service.app import create_app

__all__ = ["create_app"]
