"""Arabic text handling with exact character offsets: sentences, words, normalization."""
