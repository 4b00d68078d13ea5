"""From a variant to PDF bytes on disk: template view, HTML, layout, PDF, files."""
