"""LLM-as-a-judge (AlpaGasus): a causal LM rates each pair, read from one forward pass.

The rating is not generated: the judge prompt is rendered with the model's chat template and the
generation prompt, and the probabilities of the scale's digit tokens at the first output position
(softmaxed over those digits only) give the expected rating Σ k·p_k and its entropy (DEITA's
trick). One batched forward pass per row instead of a ``generate()`` loop and a parser.
"""
