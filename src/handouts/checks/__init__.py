"""Quality checks on handouts: reading level, plain words, colour contrast."""
