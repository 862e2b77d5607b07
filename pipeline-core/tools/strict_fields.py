#!/usr/bin/env python3
"""Generates src/strict/fields.rs (Tekton's Go types, from their swagger) and
src/strict/crd.rs (the CRDs' structural schemas) from a tektoncd/pipeline checkout.

    python3 tools/strict_fields.py PIPELINE_CHECKOUT COMMIT src/strict && cargo fmt -p pipeline-core

Needs PyYAML. The output is then formatted by rustfmt.
"""
import json,sys
root=sys.argv[1]
base=root+'/pkg/apis/pipeline/'
commit=sys.argv[2]
out_dir=sys.argv[3]
types=[]  # (name, fields)
index={}
defs_all={}
for v in ['v1','v1beta1','v1alpha1']:
    d=json.load(open(base+v+'/swagger.json'))['definitions']
    for k,t in d.items():
        key=v+':'+k
        defs_all[key]=t
OBJECTMETA='meta:ObjectMeta'
objmeta_fields=['name','generateName','namespace','selfLink','uid','resourceVersion','generation','creationTimestamp','deletionTimestamp','deletionGracePeriodSeconds','labels','annotations','ownerReferences','finalizers','managedFields']
PROMOTED={'TaskRef','PipelineRef','Ref'}
def idx(key):
    if key in index: return index[key]
    index[key]=len(types); types.append(None)
    if key==OBJECTMETA:
        types[index[key]]=('ObjectMeta',[(f,'F::Any') for f in objmeta_fields]); return index[key]
    v,name=key.split(':',1)
    t=defs_all[key]
    fields=[]
    for f,p in sorted(t.get('properties',{}).items()):
        fields.append((f,kind(v,p,f)))
    short=name.split('.',1)[1]
    if short in PROMOTED:
        fields.append(('resolver','F::Any'))
        fields.append(('params','F::List(%d)'%idx(v+':'+v+'.Param')))
    if short in ('Pipeline','Task','PipelineRun','TaskRun','StepAction','CustomRun'):
        fields=[(f,k) for f,k in fields if f!='status']+[('status','F::Any')]
        fields=[(f,('F::One(%d)'%idx(OBJECTMETA)) if f=='metadata' else k) for f,k in fields]
    fields.sort()
    types[index[key]]=(name,fields)
    return index[key]
def target(v,ref):
    n=ref.split('/')[-1]
    if n.endswith('.ParamValue'): return None
    key=v+':'+n
    if key in defs_all: return key
    if n=='v1.ObjectMeta': return OBJECTMETA
    return None
def kind(v,p,f):
    if '$ref' in p:
        t=target(v,p['$ref']); return 'F::One(%d)'%idx(t) if t else 'F::Any'
    if p.get('type')=='array' and '$ref' in p.get('items',{}):
        t=target(v,p['items']['$ref']); return 'F::List(%d)'%idx(t) if t else 'F::Any'
    if p.get('type')=='object' and '$ref' in (p.get('additionalProperties') or {}):
        t=target(v,p['additionalProperties']['$ref']); return 'F::Map(%d)'%idx(t) if t else 'F::Any'
    return 'F::Any'
roots=[('tekton.dev/v1','Pipeline','v1:v1.Pipeline'),('tekton.dev/v1','Task','v1:v1.Task'),('tekton.dev/v1','PipelineRun','v1:v1.PipelineRun'),('tekton.dev/v1','TaskRun','v1:v1.TaskRun'),
('tekton.dev/v1beta1','Pipeline','v1beta1:v1beta1.Pipeline'),('tekton.dev/v1beta1','Task','v1beta1:v1beta1.Task'),('tekton.dev/v1beta1','ClusterTask','v1beta1:v1beta1.Task'),('tekton.dev/v1beta1','PipelineRun','v1beta1:v1beta1.PipelineRun'),('tekton.dev/v1beta1','TaskRun','v1beta1:v1beta1.TaskRun'),('tekton.dev/v1beta1','StepAction','v1beta1:v1beta1.StepAction'),('tekton.dev/v1beta1','CustomRun','v1beta1:v1beta1.CustomRun'),('tekton.dev/v1alpha1','StepAction','v1alpha1:v1alpha1.StepAction')]
rootidx=[(a,k,idx(key)) for a,k,key in roots]


# ---- CRD structural schemas (the API server's layer) ----
import yaml, glob
crd_types=[]; crd_index={}
def crd_strip(s, kind, ver, path):
    if not isinstance(s, dict): return None
    if s.get('x-kubernetes-preserve-unknown-fields'):
        last = path.rsplit('.',1)[-1].rstrip('[]{}')
        if path.startswith('.status'):
            return {'open': None}
        if last == 'taskSpec':
            go = 'TaskSpec' if kind == 'TaskRun' else 'EmbeddedTask'
            return {'open': '%s:%s.%s' % (ver, ver, go)}
        if last == 'pipelineSpec':
            return {'open': '%s:%s.PipelineSpec' % (ver, ver)}
        return {'open': None}
    out={}
    if 'properties' in s:
        out['p']={k:crd_strip(v, kind, ver, path+'.'+k) for k,v in s['properties'].items()}
        if path == '':
            out['p']['metadata'] = {'p': {f: None for f in objmeta_fields}}
            # The status subresource: not the author's to write, not checked.
            out['p']['status'] = None
    if 'items' in s: out['i']=crd_strip(s['items'], kind, ver, path+'[]')
    if isinstance(s.get('additionalProperties'),dict): out['a']=crd_strip(s['additionalProperties'], kind, ver, path+'{}')
    return out
def crd_kind(node):
    if node is None: return 'C::Any'
    if 'open' in node:
        return 'C::Open(%d)' % idx(node['open']) if node['open'] else 'C::Any'
    if 'p' in node: return 'C::One(%d)' % crd_obj(node)
    if 'i' in node:
        inner=node['i']
        if inner and 'p' in inner: return 'C::List(%d)' % crd_obj(inner)
        if inner and inner.get('open'): return 'C::List(%d)' % crd_obj({'p': {}, 'openitem': inner['open']}) if False else ('C::OpenList(%d)' % idx(inner['open']))
        return 'C::Any'
    if 'a' in node:
        inner=node['a']
        if inner and 'p' in inner: return 'C::Map(%d)' % crd_obj(inner)
        return 'C::Any'
    return 'C::Any'
def crd_obj(node):
    k=json.dumps(node, sort_keys=True)
    if k in crd_index: return crd_index[k]
    i=len(crd_types); crd_index[k]=i; crd_types.append(None)
    crd_types[i]=sorted((f, crd_kind(v)) for f,v in node['p'].items())
    return i
crd_roots=[]
for f in sorted(glob.glob(root+'/config/300-crds/300-*.yaml')):
    d=yaml.safe_load(open(f))
    kind=d['spec']['names']['kind']
    if kind not in ('Pipeline','Task','PipelineRun','TaskRun','StepAction','CustomRun'): continue
    for v in d['spec']['versions']:
        if not v.get('served'): continue
        node=crd_strip(v['schema']['openAPIV3Schema'], kind, v['name'], '')
        r=crd_obj(node)
        crd_roots.append(('tekton.dev/'+v['name'], kind, r))
        if kind=='Task' and v['name']=='v1beta1':
            crd_roots.append(('tekton.dev/v1beta1','ClusterTask', r))
out2=[]
out2.append('//! The API server\'s layer: the structural schemas of Tekton\'s CRDs, generated from')
out2.append('//! tektoncd/pipeline `config/300-crds/*.yaml` (commit')
out2.append('//! `%s`), Kubernetes types included. A field the CRD leaves open'%commit)
out2.append('//! (`x-kubernetes-preserve-unknown-fields`) that holds a Tekton type (`C::Open`) continues')
out2.append('//! in `super::fields`, the webhook\'s layer; other open fields are not checked (`C::Any`).')
out2.append('')
out2.append('use super::{C, Node};')
out2.append('')
out2.append('/// Every schema node, referred to by index.')
out2.append('pub(super) static NODES: &[Node] = &[')
for i,fields in enumerate(crd_types):
    out2.append('    // %d'%i)
    out2.append('    Node {')
    out2.append('        fields: &[')
    for f,k in fields:
        out2.append('            ("%s", %s),'%(f,k))
    out2.append('        ],')
    out2.append('    },')
out2.append('];')
out2.append('')
out2.append('/// The index of the schema of `kind` in `api_version`, for the versions Tekton serves.')
out2.append('pub(super) fn root(api_version: &str, kind: &str) -> Option<usize> {')
out2.append('    match (api_version, kind) {')
for a,k,i in crd_roots:
    out2.append('        ("%s", "%s") => Some(%d),'%(a,k,i))
out2.append('        _ => None,')
out2.append('    }')
out2.append('}')
open(out_dir+'/crd.rs','w').write('\n'.join(out2)+'\n')

out=[]
out.append('//! The webhook\'s layer: the fields of Tekton\'s Go types, by API version, generated from')
out.append('//! tektoncd/pipeline `pkg/apis/pipeline/{v1,v1beta1,v1alpha1}/swagger.json` (commit')
out.append('//! `%s`), plus the fields Go promotes from embedded'%commit)
out.append('//! structs the swagger omits (`resolver` and `params` of `TaskRef`, `PipelineRef` and a step')
out.append('//! `ref`) and the')
out.append('//! Kubernetes `ObjectMeta`. Types outside Tekton\'s API (containers\' `env`, volumes,')
out.append('//! resources ...) and parameter values are not descended into (`F::Any`).')
out.append('')
out.append('use super::{F, Ty};')
out.append('')
out.append('/// Every type, referred to by index.')
out.append('pub(super) static TYPES: &[Ty] = &[')
for i,(name,fields) in enumerate(types):
    out.append('    // %d: %s'%(i,name))
    out.append('    Ty {')
    out.append('        fields: &[')
    for f,k in fields:
        out.append('            ("%s", %s),'%(f,k))
    out.append('        ],')
    out.append('    },')
out.append('];')
out.append('')
out.append('/// The index of the top-level type of `kind` in `api_version`, for the kinds Tekton serves.')
out.append('pub(super) fn root(api_version: &str, kind: &str) -> Option<usize> {')
out.append('    match (api_version, kind) {')
for a,k,i in rootidx:
    out.append('        ("%s", "%s") => Some(%d),'%(a,k,i))
out.append('        _ => None,')
out.append('    }')
out.append('}')
open(out_dir+'/fields.rs','w').write('\n'.join(out)+'\n')
