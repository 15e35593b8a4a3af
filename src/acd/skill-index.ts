// Ready agents indexed by skill and level, so finding the agents for a call starts from
// the narrowest required skill instead of scanning everyone, and one agent's change
// touches only that agent's own skills.
import type { AgentRouting, Skills } from './model.js';

const LEVELS = 5;

export class SkillIndex {
  /** skill -> [level 1..5] -> ready agent ids with exactly that level. */
  private readonly bySkill = new Map<string, Array<Set<string>>>();
  private readonly ready = new Set<string>();

  add(agent: AgentRouting): void {
    if (this.ready.has(agent.id)) return;
    this.ready.add(agent.id);
    for (const [skill, level] of Object.entries(agent.skills)) {
      let levels = this.bySkill.get(skill);
      if (!levels) {
        levels = Array.from({ length: LEVELS + 1 }, () => new Set<string>());
        this.bySkill.set(skill, levels);
      }
      levels[clamp(level)]!.add(agent.id);
    }
  }

  remove(agent: AgentRouting): void {
    if (!this.ready.delete(agent.id)) return;
    for (const [skill, level] of Object.entries(agent.skills)) this.bySkill.get(skill)?.[clamp(level)]!.delete(agent.id);
  }

  has(id: string): boolean {
    return this.ready.has(id);
  }

  get size(): number {
    return this.ready.size;
  }

  /**
   * Ready agent ids that have the narrowest of the required skills at its level; the
   * caller still checks the other skills. Every ready agent when nothing is required.
   */
  *narrowest(required: Skills): Iterable<string> {
    let bestSets: Array<Set<string>> | undefined;
    let bestCount = Infinity;
    for (const [skill, level] of Object.entries(required)) {
      const levels = this.bySkill.get(skill);
      if (!levels) return;
      const sets = levels.slice(clamp(level));
      const count = sets.reduce((n, s) => n + s.size, 0);
      if (count < bestCount) {
        bestCount = count;
        bestSets = sets;
      }
    }
    if (!bestSets) {
      yield* this.ready;
      return;
    }
    for (const s of bestSets) yield* s;
  }
}

function clamp(level: number): number {
  return Math.min(LEVELS, Math.max(1, Math.round(level)));
}
