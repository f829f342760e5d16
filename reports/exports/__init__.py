"""Excel workbooks of the reports (one module per report)."""
