"""The public side: pages anyone can reach, in /en/ and /cy/."""
