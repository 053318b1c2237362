"""From notebook to production step: tags, export, step manifests and headless runs."""
