"""The seed's benchmark script: `python tests/benchmark_vllm_vs_ollama.py [options]` is `manage.py benchmark_providers`.

Not a test module (pytest collects test_*.py only). Example:
    python tests/benchmark_vllm_vs_ollama.py --providers ollama,vllm --compare ollama:vllm --out var/bench
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "benchmark_providers", *sys.argv[1:]])
