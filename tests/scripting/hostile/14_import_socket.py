# expect: import
# ruff: noqa
# socket opens connections.
import socket

socket.create_connection(("evil.example", 80))
