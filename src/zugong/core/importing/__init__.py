"""The import pipeline every registry uses: read → normalize → validate every row → preview → commit.

- readers: .xlsx/.xls/.ods through python-calamine, .csv in UTF-8 (with or without BOM), GBK or
  GB18030; rows stream with the line numbers the user sees in their spreadsheet.
- values: the spellings people type (full-width digits, stray spaces, 2019.7.1, 2019年7月1日,
  Excel serial dates, ID numbers damaged by scientific notation), each failure a Chinese reason.
"""
