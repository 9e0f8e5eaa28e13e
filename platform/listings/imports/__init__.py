"""Batch import of listings from xlsx workbooks (批量导入): template, reader, row check,
result workbook."""
