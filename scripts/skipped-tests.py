#!/usr/bin/env python3
"""Prints the tests the .NET run skipped, grouped by reason, from its TRX files (./run-tests)."""
import collections
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
reasons = collections.defaultdict(list)
for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") != "NotExecuted":
            continue
        message = result.find(".//t:Output/t:ErrorInfo/t:Message", NS)
        reason = (message.text or "").strip() if message is not None else ""
        reasons[reason or "no reason given"].append(result.get("testName"))
for reason, tests in sorted(reasons.items()):
    print(f"skipped {len(tests)} .NET test(s): {reason}")
    for name in sorted(tests)[:3]:
        print(f"    {name}")
    if len(tests) > 3:
        print(f"    ... and {len(tests) - 3} more")
