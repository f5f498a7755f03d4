"""The application's version, read from one place."""

APP_NAME = "Thresher"
APP_VERSION = "0.1.0"
