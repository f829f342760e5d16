"""Word documents the reports app generates (python-docx), laid out as official documents (GB/T 9704-2012)."""
