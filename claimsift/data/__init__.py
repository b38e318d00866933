"""Articles to sentences: ingest → clean → segment → labeling functions → label model → dataset."""
