"""python -m claimsift.predict input=<file|folder|glob> output=<file.jsonl|.csv> [report=<page.html>]"""

from claimsift.predict import main

if __name__ == "__main__":
    main()
