"""tracker: political media monitoring (feeds and pages -> mentions of parties and politicians)."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/tracker-veille/tracker"
DEFAULT_USER_AGENT = f"tracker/{__version__} (+{PROJECT_URL})"

__all__ = ["__version__", "PROJECT_URL", "DEFAULT_USER_AGENT"]
