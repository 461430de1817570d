import qwen3_compat; qwen3_compat.apply()
