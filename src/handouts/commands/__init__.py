"""One library function per CLI command; the CLI and the web app wrap these."""
