/**
 * Files shaped like the operators' own (SirHeads/Testing-ideas, usr/local/phoenix_hypervisor/etc/):
 * phoenix_lxc_configs.json, a map of CTID to the CT's settings, and the draft-07 schema they check
 * it with, cut down to the keys that matter here but with their types, patterns, enums and required
 * lists. Their real file breaks their schema in places (a `step_cli` feature the enum lacks, CTs
 * without portainer_role): so does this one.
 */
const IPV4 = '^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])'

export const LXC_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    lxc_configs: {
      type: 'object',
      patternProperties: {
        '^[0-9]+$': {
          type: 'object',
          properties: {
            name: {type: 'string', minLength: 1},
            network_config: {type: 'object', properties: {name: {type: 'string'}, bridge: {type: 'string'}, ip: {type: 'string', pattern: `${IPV4}/([0-9]|[1-2][0-9]|3[0-2])$`}, gw: {type: 'string', pattern: `${IPV4}$`}}, required: ['name', 'bridge', 'ip', 'gw']},
            features: {type: 'array', items: {type: 'string', enum: ['base_setup', 'nvidia', 'docker', 'vllm', 'portainer', 'ollama', 'step_ca', 'traefik', 'trusted_ca']}},
            ports: {type: 'array', items: {type: 'string', pattern: '^[0-9]+:[0-9]+$'}},
            dependencies: {type: 'array', items: {type: 'string', pattern: '^[0-9]+$'}},
            portainer_role: {type: 'string', enum: ['server', 'agent', 'none', 'infrastructure']},
            vllm_engine_config: {
              type: 'object',
              properties: {
                ModelConfig: {type: 'object', properties: {model: {type: 'string'}}, required: ['model']},
                ServerConfig: {type: 'object', properties: {host: {type: 'string'}, port: {type: 'integer'}, served_model_name: {type: 'string'}}, required: ['host', 'port', 'served_model_name']},
              },
              required: ['ModelConfig', 'ServerConfig'],
            },
            firewall: {type: 'object', properties: {enabled: {type: 'boolean'}, rules: {type: 'array', items: {type: 'object', properties: {type: {type: 'string', enum: ['in', 'out']}, action: {type: 'string', enum: ['ACCEPT', 'DROP', 'REJECT']}, proto: {type: 'string', enum: ['tcp', 'udp']}}, required: ['type', 'action']}}}, required: ['enabled']},
          },
          required: ['name', 'network_config', 'portainer_role'],
        },
      },
    },
  },
  required: ['$schema', 'lxc_configs'],
}

const net = (ip: string) => ({name: 'eth0', bridge: 'vmbr0', ip: `${ip}/24`, gw: ip.replace(/\.\d+$/, '.1')})

/** Their CTs, at the addresses given (the lab's 198.18.0.x, or their own 10.0.0.x). */
export function lxcConfigs(subnet: string, schemaPath: string): Record<string, unknown> {
  return {
    $schema: schemaPath,
    nvidia_driver_version: '580.76.05',
    lxc_configs: {
      '950': {
        name: 'vllm-qwen', network_config: net(`${subnet}.150`), features: ['nvidia', 'vllm'], ports: ['8000:8000'], dependencies: ['1002'], portainer_role: 'none',
        vllm_engine_config: {ModelConfig: {model: 'Qwen/Qwen2.5-7B-Instruct-AWQ', trust_remote_code: true, dtype: 'auto', max_model_len: 32768}, ServerConfig: {host: '0.0.0.0', port: 8000, served_model_name: 'Qwen/Qwen2.5-7B-Instruct-AWQ'}},
        firewall: {enabled: true, rules: [{type: 'in', action: 'ACCEPT', source: `${subnet}.153`, proto: 'tcp', port: '8000', comment: 'Allow the gateway'}]},
      },
      '951': {
        name: 'vllm-embed', network_config: net(`${subnet}.151`), features: ['vllm'], portainer_role: 'none',
        vllm_engine_config: {ModelConfig: {model: 'BAAI/bge-m3'}, ServerConfig: {host: '0.0.0.0', port: 8000, served_model_name: 'BAAI/bge-m3'}},
      },
      '953': {name: 'Nginx-Phoenix', network_config: net(`${subnet}.153`), features: ['base_setup', 'trusted_ca', 'step_cli'], portainer_role: 'none', traefik_service: {name: 'nginx', port: 80}},
      '955': {name: 'ollama-lxc', network_config: net(`${subnet}.155`), features: ['nvidia', 'ollama'], ports: ['11434:11434'], portainer_role: 'none'},
      '957': {name: 'llamacpp-lxc', network_config: net(`${subnet}.157`), features: ['nvidia'], ports: ['8081:8081'], portainer_role: 'none'},
      '103': {name: 'Step-CA', network_config: net(`${subnet}.10`), features: ['base_setup', 'step_ca'], portainer_role: 'none'},
      '910': {name: 'Copy-VLLM-GPUx2', network_config: net(`${subnet}.220`), features: ['nvidia', 'vllm'], template_snapshot_name: 'vllm-base-snapshot'},
    },
  }
}
